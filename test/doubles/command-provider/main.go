// Command pulumi-resource-command is a TEST DOUBLE for the `command` provider of
// @pulumi/command 1.2.1. It exists because the Go module proxy refuses the real provider's
// module (see README.md). It speaks the engine's ResourceProvider gRPC protocol directly.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// providerVersion must equal the `pulumi.version` of @pulumi/command in node_modules: the
// engine looks plugins up by exact version.
const providerVersion = "1.2.1"

// standInMarker is grepped for by scripts/pulumi-tools.sh to tell this double from the real
// provider without running either binary.
const standInMarker = "pulumi-k3s-command-stand-in"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command (stand-in): %v\n", err)
		os.Exit(1)
	}
}

// engineAddress picks the engine's address out of the plugin arguments. The engine may put
// logging and tracing flags first; `--tracing` takes a value.
func engineAddress(args []string) (string, error) {
	addr := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--tracing":
			i++
		case a == "--version":
			fmt.Println(providerVersion, standInMarker)
			os.Exit(0)
		case strings.HasPrefix(a, "-"):
		default:
			addr = a
		}
	}
	if addr == "" {
		return "", fmt.Errorf("missing engine address argument")
	}
	return addr, nil
}

func run(args []string) error {
	addr, err := engineAddress(args)
	if err != nil {
		return err
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("connecting to the engine: %w", err)
	}
	defer conn.Close()

	srv := newServer(pulumirpc.NewEngineClient(conn))
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(s, srv)
			return nil
		},
	})
	if err != nil {
		return err
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	return <-handle.Done
}

// engineLogger sends lines to the engine's log for one resource. Failures to log are
// ignored: losing a log line must not fail a deployment.
type engineLogger struct {
	engine pulumirpc.EngineClient
	urn    string
}

func (l engineLogger) log(ctx context.Context, sev pulumirpc.LogSeverity, msg string) {
	if l.engine == nil {
		return
	}
	_, _ = l.engine.Log(ctx, &pulumirpc.LogRequest{Severity: sev, Message: msg, Urn: l.urn})
}
