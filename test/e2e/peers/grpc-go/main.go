// Command grpc-go-xds-client is meshplane's e2e peer for grpc-go's xDS client (gRFC A27/A28), the
// strictest proxyless client: it NACKs resources that @grpc/grpc-js-xds would accept.
//
// It reads one JSON request per line on stdin, {"target":"xds:///host:port","count":N,
// "metadata":{"k":"v"}}, performs N unary calls to /meshplane.test.Echo/Whoami (the JSON-coded
// service of examples/echo-service.ts) and answers one JSON line on stdout:
// {"counts":{"<backend>":n,"error:<CODE>":n},"nacks":["..."]}. Channels are kept per target, so
// later requests see config pushed after the first. nacks lists every NACK grpc-go logged so far
// (its xDS client logs each one at warning level with the reason).
//
// The xDS bootstrap comes from GRPC_XDS_BOOTSTRAP_CONFIG (inline JSON) or GRPC_XDS_BOOTSTRAP.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/grpclog"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	_ "google.golang.org/grpc/xds" // registers the xds:/// resolver and the xDS balancers
)

const method = "/meshplane.test.Echo/Whoami"

// jsonCodec speaks the echo service's wire format: JSON bodies instead of protobuf.
type jsonCodec struct{}

func (jsonCodec) Marshal(v any) ([]byte, error)   { return json.Marshal(v) }
func (jsonCodec) Unmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
func (jsonCodec) Name() string                    { return "json" }

type request struct {
	Target   string            `json:"target"`
	Count    int               `json:"count"`
	Metadata map[string]string `json:"metadata"`
}

type response struct {
	Counts map[string]int `json:"counts"`
	Nacks  []string       `json:"nacks"`
	Error  string         `json:"error,omitempty"`
}

// nackLogger forwards grpc-go's log to stderr and keeps every line that reports a NACK.
type nackLogger struct {
	grpclog.LoggerV2
	mu    sync.Mutex
	nacks []string
}

func (l *nackLogger) keep(args ...any) {
	s := fmt.Sprint(args...)
	if strings.Contains(s, "NACK") {
		l.mu.Lock()
		l.nacks = append(l.nacks, s)
		l.mu.Unlock()
	}
}
func (l *nackLogger) Warning(args ...any)   { l.keep(args...); l.LoggerV2.Warning(args...) }
func (l *nackLogger) Warningln(args ...any) { l.keep(args...); l.LoggerV2.Warningln(args...) }
func (l *nackLogger) Warningf(f string, args ...any) {
	l.keep(fmt.Sprintf(f, args...))
	l.LoggerV2.Warningf(f, args...)
}
func (l *nackLogger) Info(args ...any)   { l.keep(args...); l.LoggerV2.Info(args...) }
func (l *nackLogger) Infoln(args ...any) { l.keep(args...); l.LoggerV2.Infoln(args...) }
func (l *nackLogger) Infof(f string, args ...any) {
	l.keep(fmt.Sprintf(f, args...))
	l.LoggerV2.Infof(f, args...)
}
func (l *nackLogger) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string{}, l.nacks...)
}

func main() {
	// Info and warning lines always reach the logger (so NACKs are seen); only errors go to stderr
	// unless GRPC_GO_LOG_SEVERITY_LEVEL asks for more.
	var infoW, warnW io.Writer = io.Discard, io.Discard
	switch os.Getenv("GRPC_GO_LOG_SEVERITY_LEVEL") {
	case "info":
		infoW, warnW = os.Stderr, os.Stderr
	case "warning":
		warnW = os.Stderr
	}
	logger := &nackLogger{LoggerV2: grpclog.NewLoggerV2(infoW, warnW, os.Stderr)}
	grpclog.SetLoggerV2(logger)

	conns := map[string]*grpc.ClientConn{}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var req request
		res := response{Counts: map[string]int{}}
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			res.Error = err.Error()
		} else if cc, err := conn(conns, req.Target); err != nil {
			res.Error = err.Error()
		} else {
			call(cc, req, res.Counts)
		}
		res.Nacks = logger.snapshot()
		if err := out.Encode(res); err != nil {
			os.Exit(1)
		}
	}
	for _, cc := range conns {
		cc.Close()
	}
}

func conn(conns map[string]*grpc.ClientConn, target string) (*grpc.ClientConn, error) {
	if cc, ok := conns[target]; ok {
		return cc, nil
	}
	cc, err := grpc.NewClient(target,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(jsonCodec{})))
	if err != nil {
		return nil, err
	}
	conns[target] = cc
	return cc, nil
}

// call performs the unary calls one after another (the split is then per RPC, as gRFC A28 picks a
// cluster per call) and counts replies by backend name and failures by status code.
func call(cc *grpc.ClientConn, req request, counts map[string]int) {
	ctx := context.Background()
	if len(req.Metadata) > 0 {
		ctx = metadata.NewOutgoingContext(ctx, metadata.New(req.Metadata))
	}
	for i := 0; i < req.Count; i++ {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var reply struct {
			Backend string `json:"backend"`
		}
		err := cc.Invoke(cctx, method, map[string]any{}, &reply)
		cancel()
		if err != nil {
			counts["error:"+codeName(status.Code(err))]++
			continue
		}
		counts[reply.Backend]++
	}
}

// codeName spells a status code as the gRPC spec does (PERMISSION_DENIED), like grpc-js's
// status enum, so the e2e tests compare the same strings for both clients.
func codeName(c codes.Code) string {
	var b strings.Builder
	for i, r := range c.String() {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}
