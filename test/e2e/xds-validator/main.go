// xds-validator: an ADS client (state of the world, as Envoy and MOSN speak it) that checks every
// resource a control plane sends against Envoy's own proto constraints. It subscribes to CDS and
// LDS (wildcard, as Envoy does), follows with EDS for the EDS clusters and RDS for the route
// configs the listeners' HttpConnectionManagers name, runs go-control-plane's ValidateAll on
// every resource and every Any inside it, NACKs a response with violations (so the server's NACK
// handling is exercised too), and finally lints the whole configuration across resources.
//
// It prints a JSON report and exits 0 when every resource is valid, 1 on violations, 2 when the
// exchange could not complete (connection error, timeout).
//
//	xds-validator -addr 127.0.0.1:15010 -node '{"id":"sidecar~10.0.0.1~a.default~default.svc.cluster.local"}'
//	xds-validator -self-test
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	discoverygrpc "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

var protoOpts = proto.UnmarshalOptions{}

type state struct {
	listeners []*listenerv3.Listener
	routes    map[string]*routev3.RouteConfiguration
	clusters  []*clusterv3.Cluster
	endpoints map[string]*endpointv3.ClusterLoadAssignment
}

type typeReport struct {
	Responses int      `json:"responses"`
	Resources []string `json:"resources"`
	Acked     string   `json:"acked_version"`
	Nacks     int      `json:"nacks"`
}

type report struct {
	Node       string                 `json:"node"`
	Types      map[string]*typeReport `json:"types"`
	Violations []string               `json:"violations"`
	Lint       []string               `json:"lint"`
	Unpacked   map[string]int         `json:"unpacked_any_types"`
	Error      string                 `json:"error,omitempty"`
}

var shortNames = map[string]string{
	resourcev3.ListenerType: "LDS", resourcev3.RouteType: "RDS",
	resourcev3.ClusterType: "CDS", resourcev3.EndpointType: "EDS",
}

type client struct {
	stream   discoverygrpc.AggregatedDiscoveryService_StreamAggregatedResourcesClient
	node     *corev3.Node
	rep      *report
	st       *state
	acked    map[string]string
	nonce    map[string]string
	names    map[string][]string
	received map[string]bool
}

func (c *client) send(typeURL string, names []string, errDetail string) error {
	req := &discoverygrpc.DiscoveryRequest{
		Node: c.node, TypeUrl: typeURL, ResourceNames: names,
		VersionInfo: c.acked[typeURL], ResponseNonce: c.nonce[typeURL],
	}
	if errDetail != "" {
		req.ErrorDetail = &statuspb.Status{Code: 3, Message: errDetail}
	}
	return c.stream.Send(req)
}

// decode unpacks one response's resources into typed messages, validating each.
func (c *client) decode(resp *discoverygrpc.DiscoveryResponse) ([]proto.Message, []string) {
	var msgs []proto.Message
	var violations []string
	short := shortNames[resp.GetTypeUrl()]
	for i, a := range resp.GetResources() {
		if a.GetTypeUrl() == "type.googleapis.com/envoy.service.discovery.v3.Resource" {
			wrapped := &discoverygrpc.Resource{}
			if err := anypb.UnmarshalTo(a, wrapped, protoOpts); err != nil {
				violations = append(violations, fmt.Sprintf("%s[%d]: bad Resource wrapper: %v", short, i, err))
				continue
			}
			a = wrapped.GetResource()
		}
		if a.GetTypeUrl() != resp.GetTypeUrl() {
			violations = append(violations, fmt.Sprintf("%s[%d]: type %s in a %s response", short, i, a.GetTypeUrl(), resp.GetTypeUrl()))
			continue
		}
		m, err := anypb.UnmarshalNew(a, protoOpts)
		if err != nil {
			violations = append(violations, fmt.Sprintf("%s[%d]: %v", short, i, err))
			continue
		}
		name := resourceName(m)
		violations = append(violations, validateDeep(m, fmt.Sprintf("%s %s", short, name), c.rep.Unpacked)...)
		msgs = append(msgs, m)
	}
	return msgs, violations
}

func resourceName(m proto.Message) string {
	switch r := m.(type) {
	case *listenerv3.Listener:
		return r.GetName()
	case *routev3.RouteConfiguration:
		return r.GetName()
	case *clusterv3.Cluster:
		return r.GetName()
	case *endpointv3.ClusterLoadAssignment:
		return r.GetClusterName()
	}
	return "?"
}

func (c *client) record(typeURL string, msgs []proto.Message) {
	tr := c.rep.Types[shortNames[typeURL]]
	tr.Resources = tr.Resources[:0]
	switch typeURL {
	case resourcev3.ListenerType:
		c.st.listeners = nil
	case resourcev3.ClusterType:
		c.st.clusters = nil
	}
	for _, m := range msgs {
		tr.Resources = append(tr.Resources, resourceName(m))
		switch r := m.(type) {
		case *listenerv3.Listener:
			c.st.listeners = append(c.st.listeners, r)
		case *routev3.RouteConfiguration:
			c.st.routes[r.GetName()] = r
		case *clusterv3.Cluster:
			c.st.clusters = append(c.st.clusters, r)
		case *endpointv3.ClusterLoadAssignment:
			c.st.endpoints[r.GetClusterName()] = r
		}
	}
	sort.Strings(tr.Resources)
}

// followUps computes the EDS and RDS names the current CDS and LDS state asks for.
func (c *client) followUps() map[string][]string {
	eds := map[string]bool{}
	for _, cl := range c.st.clusters {
		if cl.GetType() == clusterv3.Cluster_EDS {
			eds[edsName(cl)] = true
		}
	}
	rds := map[string]bool{}
	for _, l := range c.st.listeners {
		hcms, _ := filterConfigs(l)
		for _, h := range hcms {
			if n := h.GetRds().GetRouteConfigName(); n != "" {
				rds[n] = true
			}
		}
	}
	return map[string][]string{resourcev3.EndpointType: keys(eds), resourcev3.RouteType: keys(rds)}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (c *client) complete() bool {
	if !c.received[resourcev3.ClusterType] || !c.received[resourcev3.ListenerType] {
		return false
	}
	for _, n := range c.names[resourcev3.EndpointType] {
		if _, ok := c.st.endpoints[n]; !ok {
			return false
		}
	}
	for _, n := range c.names[resourcev3.RouteType] {
		if _, ok := c.st.routes[n]; !ok {
			return false
		}
	}
	return true
}

func (c *client) handle(resp *discoverygrpc.DiscoveryResponse) error {
	typeURL := resp.GetTypeUrl()
	tr, ok := c.rep.Types[shortNames[typeURL]]
	if !ok {
		return nil
	}
	tr.Responses++
	msgs, violations := c.decode(resp)
	c.record(typeURL, msgs)
	c.received[typeURL] = true
	c.nonce[typeURL] = resp.GetNonce()
	detail := ""
	if len(violations) > 0 {
		c.rep.Violations = append(c.rep.Violations, violations...)
		tr.Nacks++
		detail = strings.Join(violations, "; ")
	} else {
		c.acked[typeURL] = resp.GetVersionInfo()
		tr.Acked = resp.GetVersionInfo()
	}
	if err := c.send(typeURL, c.names[typeURL], detail); err != nil {
		return err
	}
	if typeURL != resourcev3.ClusterType && typeURL != resourcev3.ListenerType {
		return nil
	}
	for t, names := range c.followUps() {
		if strings.Join(names, "\n") == strings.Join(c.names[t], "\n") || len(names) == 0 {
			continue
		}
		c.names[t] = names
		if err := c.send(t, names, ""); err != nil {
			return err
		}
	}
	return nil
}

func run(addr string, node *corev3.Node, timeout time.Duration, rep *report) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)))
	if err != nil {
		return err
	}
	defer conn.Close()
	stream, err := discoverygrpc.NewAggregatedDiscoveryServiceClient(conn).StreamAggregatedResources(ctx)
	if err != nil {
		return err
	}
	c := &client{
		stream: stream, node: node, rep: rep,
		st:    &state{routes: map[string]*routev3.RouteConfiguration{}, endpoints: map[string]*endpointv3.ClusterLoadAssignment{}},
		acked: map[string]string{}, nonce: map[string]string{}, names: map[string][]string{}, received: map[string]bool{},
	}
	for _, t := range []string{resourcev3.ClusterType, resourcev3.ListenerType} {
		if err := c.send(t, nil, ""); err != nil {
			return err
		}
	}
	for !c.complete() {
		resp, err := stream.Recv()
		if err != nil {
			return fmt.Errorf("incomplete exchange (%v): %w", c.missing(), err)
		}
		if err := c.handle(resp); err != nil {
			return err
		}
	}
	rep.Lint = append([]string{}, lint(c.st)...)
	return nil
}

func (c *client) missing() []string {
	var out []string
	for _, t := range []string{resourcev3.ClusterType, resourcev3.ListenerType} {
		if !c.received[t] {
			out = append(out, shortNames[t])
		}
	}
	for _, n := range c.names[resourcev3.EndpointType] {
		if _, ok := c.st.endpoints[n]; !ok {
			out = append(out, "EDS "+n)
		}
	}
	for _, n := range c.names[resourcev3.RouteType] {
		if _, ok := c.st.routes[n]; !ok {
			out = append(out, "RDS "+n)
		}
	}
	return out
}

func main() {
	addr := flag.String("addr", "127.0.0.1:15010", "ADS server address")
	nodeJSON := flag.String("node", `{"id":"sidecar~127.0.0.1~validator.default~default.svc.cluster.local"}`,
		"the xDS Node as protojson (id, cluster, metadata, locality)")
	timeout := flag.Duration("timeout", 20*time.Second, "give up after this long")
	self := flag.Bool("self-test", false, "check that known violations are reported, then exit")
	flag.Parse()
	if *self {
		if err := selfTest(); err != nil {
			fmt.Println("self-test failed:", err)
			os.Exit(1)
		}
		fmt.Println("self-test passed")
		return
	}
	// Keep the HCM type linked even if no listener carries one (UnmarshalNew resolves by registry).
	_ = &hcmv3.HttpConnectionManager{}

	node := &corev3.Node{}
	rep := &report{Types: map[string]*typeReport{}, Unpacked: map[string]int{}, Violations: []string{}, Lint: []string{}}
	for _, s := range shortNames {
		rep.Types[s] = &typeReport{Resources: []string{}}
	}
	code := 0
	if err := protojson.Unmarshal([]byte(*nodeJSON), node); err != nil {
		rep.Error = "bad -node: " + err.Error()
		code = 2
	} else {
		if node.UserAgentName == "" {
			node.UserAgentName = "envoy"
		}
		rep.Node = node.GetId()
		if err := run(*addr, node, *timeout, rep); err != nil {
			rep.Error = err.Error()
			code = 2
		} else if len(rep.Violations) > 0 || len(rep.Lint) > 0 {
			code = 1
		}
	}
	out, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Println(string(out))
	os.Exit(code)
}
