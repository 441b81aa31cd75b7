package main

// Cross-resource rules Envoy applies when it loads a configuration, which PGV cannot express:
// unique names, one listener per address, the router filter last in every HCM, RDS over ADS,
// every referenced cluster present, every EDS cluster answered, weighted totals above zero,
// unique virtual host domains.

import (
	"fmt"
	"sort"
	"strings"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tcpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	"google.golang.org/protobuf/types/known/anypb"
)

const routerFilter = "envoy.filters.http.router"

func filterConfigs(l *listenerv3.Listener) (hcms []*hcmv3.HttpConnectionManager, tcps []*tcpv3.TcpProxy) {
	chains := append([]*listenerv3.FilterChain{}, l.GetFilterChains()...)
	if l.GetDefaultFilterChain() != nil {
		chains = append(chains, l.GetDefaultFilterChain())
	}
	for _, c := range chains {
		for _, f := range c.GetFilters() {
			a := f.GetTypedConfig()
			if a == nil {
				continue
			}
			h := &hcmv3.HttpConnectionManager{}
			if anypb.UnmarshalTo(a, h, protoOpts) == nil && strings.HasSuffix(a.GetTypeUrl(), "HttpConnectionManager") {
				hcms = append(hcms, h)
				continue
			}
			t := &tcpv3.TcpProxy{}
			if strings.HasSuffix(a.GetTypeUrl(), "TcpProxy") && anypb.UnmarshalTo(a, t, protoOpts) == nil {
				tcps = append(tcps, t)
			}
		}
	}
	return hcms, tcps
}

func routeClusters(vhs []*routev3.VirtualHost, where string, refs map[string]string, errs *[]string) {
	for _, vh := range vhs {
		for _, r := range vh.GetRoutes() {
			a := r.GetRoute()
			if a == nil {
				continue
			}
			if c := a.GetCluster(); c != "" {
				refs[c] = where
			}
			if wc := a.GetWeightedClusters(); wc != nil {
				total := uint32(0)
				for _, c := range wc.GetClusters() {
					total += c.GetWeight().GetValue()
					refs[c.GetName()] = where
				}
				if total == 0 {
					*errs = append(*errs, fmt.Sprintf("%s: weighted clusters sum to 0", where))
				}
			}
			for _, m := range a.GetRequestMirrorPolicies() {
				refs[m.GetCluster()] = where
			}
		}
	}
}

func dupes(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if seen[n] {
			out = append(out, n)
		}
		seen[n] = true
	}
	return out
}

// lint runs the cross-resource rules on the last accepted state of every type.
func lint(st *state) []string {
	var errs []string
	refs := map[string]string{}
	var lnames, addrs []string
	for _, l := range st.listeners {
		lnames = append(lnames, l.GetName())
		if sa := l.GetAddress().GetSocketAddress(); sa != nil {
			addrs = append(addrs, fmt.Sprintf("%s:%d", sa.GetAddress(), sa.GetPortValue()))
		}
		hcms, tcps := filterConfigs(l)
		for _, h := range hcms {
			fs := h.GetHttpFilters()
			if len(fs) == 0 || fs[len(fs)-1].GetName() != routerFilter {
				errs = append(errs, fmt.Sprintf("listener %s: router filter is not last", l.GetName()))
			}
			if rds := h.GetRds(); rds != nil {
				cs := rds.GetConfigSource()
				if cs.GetAds() == nil && cs.GetSelf() == nil {
					errs = append(errs, fmt.Sprintf("listener %s: RDS config source is neither ads nor self", l.GetName()))
				}
			}
			if rc := h.GetRouteConfig(); rc != nil {
				routeClusters(rc.GetVirtualHosts(), "listener "+l.GetName(), refs, &errs)
			}
		}
		for _, t := range tcps {
			if c := t.GetCluster(); c != "" {
				refs[c] = "listener " + l.GetName()
			}
			for _, c := range t.GetWeightedClusters().GetClusters() {
				refs[c.GetName()] = "listener " + l.GetName()
			}
		}
	}
	for _, d := range dupes(lnames) {
		errs = append(errs, "duplicate listener "+d)
	}
	for _, d := range dupes(addrs) {
		errs = append(errs, "two listeners on "+d)
	}
	for _, rc := range st.routes {
		var domains []string
		for _, vh := range rc.GetVirtualHosts() {
			for _, d := range vh.GetDomains() {
				domains = append(domains, strings.ToLower(d))
			}
		}
		for _, d := range dupes(domains) {
			errs = append(errs, fmt.Sprintf("route %s: duplicate domain %s", rc.GetName(), d))
		}
		routeClusters(rc.GetVirtualHosts(), "route "+rc.GetName(), refs, &errs)
	}
	clusters := map[string]*clusterv3.Cluster{}
	var cnames []string
	for _, c := range st.clusters {
		clusters[c.GetName()] = c
		cnames = append(cnames, c.GetName())
	}
	for _, d := range dupes(cnames) {
		errs = append(errs, "duplicate cluster "+d)
	}
	var missing []string
	for c, where := range refs {
		if _, ok := clusters[c]; !ok {
			missing = append(missing, fmt.Sprintf("%s: cluster %s is not in CDS", where, c))
		}
	}
	sort.Strings(missing)
	errs = append(errs, missing...)
	for _, c := range st.clusters {
		if c.GetType() != clusterv3.Cluster_EDS {
			continue
		}
		if _, ok := st.endpoints[edsName(c)]; !ok {
			errs = append(errs, fmt.Sprintf("EDS cluster %s has no ClusterLoadAssignment", c.GetName()))
		}
	}
	return errs
}

func edsName(c *clusterv3.Cluster) string {
	if n := c.GetEdsClusterConfig().GetServiceName(); n != "" {
		return n
	}
	return c.GetName()
}
