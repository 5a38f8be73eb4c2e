package main

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil/rpcerror"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// server implements the parts of pulumirpc.ResourceProvider that `pulumi up`, `preview`,
// `refresh` and `destroy` use for the two remote resources. Everything else answers
// Unimplemented, which the engine tolerates (Handshake, GetSchema, Construct, Invoke, ...).
type server struct {
	pulumirpc.UnimplementedResourceProviderServer
	engine pulumirpc.EngineClient
}

func newServer(engine pulumirpc.EngineClient) *server {
	return &server{engine: engine}
}

func (s *server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: providerVersion}, nil
}

// The provider has no configuration; the engine still checks and diffs it.
func (s *server) CheckConfig(
	_ context.Context, req *pulumirpc.CheckRequest,
) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (s *server) DiffConfig(
	context.Context, *pulumirpc.DiffRequest,
) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (s *server) Configure(
	context.Context, *pulumirpc.ConfigureRequest,
) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (s *server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (s *server) Check(
	_ context.Context, req *pulumirpc.CheckRequest,
) (*pulumirpc.CheckResponse, error) {
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	ins, failures := check(req.GetType(), news)
	out, err := marshal(ins)
	return &pulumirpc.CheckResponse{Inputs: out, Failures: failures}, err
}

func (s *server) Diff(
	_ context.Context, req *pulumirpc.DiffRequest,
) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	oldIns, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	return diff(oldInputs(oldIns, olds), news), nil
}

func (s *server) Create(
	ctx context.Context, req *pulumirpc.CreateRequest,
) (*pulumirpc.CreateResponse, error) {
	ins, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		out, err := marshal(outputs(req.GetType(), ins, nil, true))
		return &pulumirpc.CreateResponse{Properties: out}, err
	}
	id, err := resource.NewUniqueHex(req.GetName()+"-", 8, 0)
	if err != nil {
		return nil, err
	}
	state, runErr := s.apply(ctx, req.GetUrn(), req.GetType(), "create", ins, nil)
	out, err := marshal(state)
	if err != nil {
		return nil, err
	}
	if runErr != nil {
		return nil, initFailed(id, out, req.GetProperties(), runErr)
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: out}, nil
}

func (s *server) Update(
	ctx context.Context, req *pulumirpc.UpdateRequest,
) (*pulumirpc.UpdateResponse, error) {
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		out, err := marshal(outputs(req.GetType(), news, nil, true))
		return &pulumirpc.UpdateResponse{Properties: out}, err
	}
	state, runErr := s.apply(ctx, req.GetUrn(), req.GetType(), "update", news, olds)
	out, err := marshal(state)
	if err != nil {
		return nil, err
	}
	if runErr != nil {
		return nil, initFailed(req.GetId(), out, req.GetNews(), runErr)
	}
	return &pulumirpc.UpdateResponse{Properties: out}, nil
}

// Delete runs `delete` with the connection saved in state. CopyToRemote deletes nothing.
func (s *server) Delete(
	ctx context.Context, req *pulumirpc.DeleteRequest,
) (*emptypb.Empty, error) {
	state, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	script := getString(state, "delete")
	if req.GetType() != typeCommand || script == "" {
		return &emptypb.Empty{}, nil
	}
	r, err := newCommandRun("delete", script, state, state)
	if err != nil {
		return nil, err
	}
	_, _, err = r.run(ctx, engineLogger{engine: s.engine, urn: req.GetUrn()})
	return &emptypb.Empty{}, err
}

// Read (refresh) reports the state unchanged: like the real provider, nothing is read back
// from the host.
func (s *server) Read(
	_ context.Context, req *pulumirpc.ReadRequest,
) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{
		Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs(),
	}, nil
}

// apply performs a create or an update and returns the new state. prev is the old state
// (nil on create); on update `update` runs if set, else `create`.
func (s *server) apply(
	ctx context.Context, urn, typ, phase string, ins, prev resource.PropertyMap,
) (resource.PropertyMap, error) {
	if typ == typeCopyToRemote {
		if prev != nil && plain(prev["source"]).DeepEquals(plain(ins["source"])) &&
			getString(prev, "remotePath") == getString(ins, "remotePath") {
			return outputs(typ, ins, nil, false), nil // e.g. only connection changed
		}
		return outputs(typ, ins, nil, false), copyToRemote(ctx, ins)
	}
	script := getString(ins, "create")
	if phase == "update" && getString(ins, "update") != "" {
		script = getString(ins, "update")
	}
	if script == "" {
		return outputs(typ, ins, prev, false), nil
	}
	r, err := newCommandRun(phase, script, ins, prev)
	if err != nil {
		return outputs(typ, ins, prev, false), err
	}
	stdout, stderr, err := r.run(ctx, engineLogger{engine: s.engine, urn: urn})
	state := outputs(typ, ins, nil, false)
	state["stdout"] = resource.NewStringProperty(stdout)
	state["stderr"] = resource.NewStringProperty(stderr)
	return state, err
}

// outputs echoes every input (secret wrappers kept) and adds stdout/stderr for a Command:
// unknown in preview, the previous values when nothing ran, else set by the caller.
func outputs(typ string, ins, prev resource.PropertyMap, preview bool) resource.PropertyMap {
	out := ins.Copy()
	if c, ok := out["connection"]; ok {
		out["connection"] = secretConnectionFields(c)
	}
	if typ != typeCommand {
		return out
	}
	for _, k := range []resource.PropertyKey{"stdout", "stderr"} {
		switch {
		case preview:
			out[k] = resource.MakeComputed(resource.NewStringProperty(""))
		case prev != nil && prev[k].IsString():
			out[k] = prev[k]
		default:
			out[k] = resource.NewStringProperty("")
		}
	}
	return out
}

// initFailed tells the engine the resource exists but its command failed, so it is kept in
// state (and a later `up` updates it), as pulumi-go-provider does for the real provider.
func initFailed(id string, props, inputs *structpb.Struct, cause error) error {
	return rpcerror.WithDetails(
		rpcerror.New(codes.Unknown, cause.Error()),
		&pulumirpc.ErrorResourceInitFailed{
			Id: id, Properties: props, Inputs: inputs, Reasons: []string{cause.Error()},
		})
}
