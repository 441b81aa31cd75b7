package main

// -self-test: proves the checker can fail. It validates resources with known violations, one
// at the top level and one only inside a nested Any (which plain PGV would miss), and expects
// both to be reported, plus the cross-resource lint to flag a dangling cluster reference.

import (
	"fmt"
	"strings"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
)

func selfTest() error {
	unpacked := map[string]int{}
	bad := &clusterv3.Cluster{Name: "", ConnectTimeout: durationpb.New(-1)}
	if errs := validateDeep(bad, "cluster", unpacked); len(errs) < 2 {
		return fmt.Errorf("top-level violations not reported: %v", errs)
	}
	hcm, _ := anypb.New(&hcmv3.HttpConnectionManager{StatPrefix: ""})
	l := &listenerv3.Listener{Name: "l", FilterChains: []*listenerv3.FilterChain{{
		Filters: []*listenerv3.Filter{{Name: "hcm", ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: hcm}}},
	}}}
	errs := validateDeep(l, "listener", unpacked)
	if len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), "HttpConnectionManager") {
		return fmt.Errorf("violation inside an Any not reported: %v", errs)
	}
	st := &state{
		routes: map[string]*routev3.RouteConfiguration{"r": {Name: "r", VirtualHosts: []*routev3.VirtualHost{{
			Name: "v", Domains: []string{"*"}, Routes: []*routev3.Route{{
				Match:  &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}},
				Action: &routev3.Route_Route{Route: &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_Cluster{Cluster: "nowhere"}}},
			}},
		}}}},
		endpoints: map[string]*endpointv3.ClusterLoadAssignment{},
	}
	if lintErrs := lint(st); len(lintErrs) == 0 {
		return fmt.Errorf("dangling cluster reference not reported")
	}
	return nil
}
