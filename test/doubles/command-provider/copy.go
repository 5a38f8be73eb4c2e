package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/pkg/sftp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// copySource is the local side of a CopyToRemote: a file, a directory or literal text.
type copySource struct {
	path    string
	text    string
	isText  bool
	archive bool
}

func parseCopySource(in resource.PropertyMap) (copySource, error) {
	v := plain(in["source"])
	switch {
	case v.IsAsset() && v.AssetValue().IsText():
		return copySource{text: v.AssetValue().Text, isText: true}, nil
	case v.IsAsset() && v.AssetValue().IsPath():
		return copySource{path: v.AssetValue().Path}, nil
	case v.IsArchive() && v.ArchiveValue().IsPath():
		return copySource{path: v.ArchiveValue().Path, archive: true}, nil
	}
	return copySource{}, fmt.Errorf("source must be a FileAsset, StringAsset or FileArchive")
}

// copyToRemote uploads over SFTP as the connection user (no sudo, modes from the umask),
// creating missing parent directories as @pulumi/command 1.2.1 does.
func copyToRemote(ctx context.Context, in resource.PropertyMap) error {
	src, err := parseCopySource(in)
	if err != nil {
		return err
	}
	dest := getString(in, "remotePath")
	cm, ok := getObject(in, "connection")
	if !ok {
		return fmt.Errorf("connection is required")
	}
	conn, err := parseConnection(cm)
	if err != nil {
		return err
	}
	client, err := conn.dial(ctx)
	if err != nil {
		return err
	}
	defer client.Close()
	sc, err := sftp.NewClient(client)
	if err != nil {
		return fmt.Errorf("starting SFTP on %s (is the sftp subsystem enabled?): %w",
			conn.address(), err)
	}
	defer sc.Close()

	if src.isText {
		return putText(sc, src.text, dest)
	}
	info, err := os.Stat(src.path)
	if err != nil {
		return fmt.Errorf("reading source: %w", err)
	}
	if info.IsDir() {
		return putDir(sc, src.path, dest)
	}
	if st, _ := remoteStat(sc, dest); st != nil && st.IsDir() {
		dest = path.Join(dest, filepath.Base(src.path))
	}
	return putFile(sc, src.path, dest)
}

// remoteStat returns nil, nil when the path does not exist.
func remoteStat(sc *sftp.Client, p string) (fs.FileInfo, error) {
	st, err := sc.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return st, err
}

func putText(sc *sftp.Client, text, dest string) error {
	if st, _ := remoteStat(sc, dest); st != nil && st.IsDir() {
		return fmt.Errorf("remote path %s is a directory; a StringAsset needs a file path", dest)
	}
	if err := sc.MkdirAll(path.Dir(dest)); err != nil {
		return fmt.Errorf("creating %s: %w", path.Dir(dest), err)
	}
	f, err := sc.Create(dest)
	if err != nil {
		return fmt.Errorf("creating %s: %w", dest, err)
	}
	if _, err := f.Write([]byte(text)); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", dest, err)
	}
	return f.Close()
}

func putFile(sc *sftp.Client, local, dest string) error {
	in, err := os.Open(local)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := sc.MkdirAll(path.Dir(dest)); err != nil {
		return fmt.Errorf("creating %s: %w", path.Dir(dest), err)
	}
	out, err := sc.Create(dest)
	if err != nil {
		return fmt.Errorf("creating %s: %w", dest, err)
	}
	if _, err := out.ReadFrom(in); err != nil {
		out.Close()
		return fmt.Errorf("copying %s to %s: %w", local, dest, err)
	}
	return out.Close()
}

// putDir follows the rsync-like rule of the real provider: "dir" lands as dest/dir, "dir/"
// puts the contents of dir into dest.
func putDir(sc *sftp.Client, local, dest string) error {
	if !strings.HasSuffix(local, "/") {
		dest = path.Join(dest, filepath.Base(local))
	}
	if st, _ := remoteStat(sc, dest); st != nil && !st.IsDir() {
		return fmt.Errorf("remote path %s exists but is not a directory", dest)
	}
	return filepath.WalkDir(local, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(local, p)
		if err != nil {
			return err
		}
		target := path.Join(dest, filepath.ToSlash(rel))
		if d.IsDir() {
			if err := sc.MkdirAll(target); err != nil {
				return fmt.Errorf("creating %s: %w", target, err)
			}
			return nil
		}
		return putFile(sc, p, target)
	})
}
