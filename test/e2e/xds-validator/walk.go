package main

// Validation of one xDS resource with Envoy's own proto constraints: go-control-plane's generated
// ValidateAll (protoc-gen-validate rules), applied to the resource and, since PGV never looks
// inside a google.protobuf.Any, to every Any found anywhere in it (typed_config,
// typed_per_filter_config values, typed_extension_protocol_options, transport sockets...),
// recursively.

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
)

type allValidator interface{ ValidateAll() error }

// pgvErrors returns ValidateAll's violations of m itself, one string each.
func pgvErrors(m proto.Message, path string) []string {
	v, ok := m.(allValidator)
	if !ok {
		return []string{fmt.Sprintf("%s: %s has no ValidateAll (built with disable_pgv?)", path, m.ProtoReflect().Descriptor().FullName())}
	}
	err := v.ValidateAll()
	if err == nil {
		return nil
	}
	var multi interface{ AllErrors() []error }
	if errors.As(err, &multi) {
		out := []string{}
		for _, e := range multi.AllErrors() {
			out = append(out, fmt.Sprintf("%s: %v", path, e))
		}
		return out
	}
	return []string{fmt.Sprintf("%s: %v", path, err)}
}

// validateDeep validates m and every Any inside it. unpacked collects the type URLs seen.
func validateDeep(m proto.Message, path string, unpacked map[string]int) []string {
	out := pgvErrors(m, path)
	out = append(out, walkAnys(m.ProtoReflect(), path, unpacked)...)
	return out
}

func unpackAny(a *anypb.Any, path string, unpacked map[string]int) []string {
	inner, err := anypb.UnmarshalNew(a, proto.UnmarshalOptions{})
	if err != nil {
		return []string{fmt.Sprintf("%s: unresolvable Any %q: %v", path, a.GetTypeUrl(), err)}
	}
	unpacked[a.GetTypeUrl()]++
	return validateDeep(inner, fmt.Sprintf("%s<%s>", path, inner.ProtoReflect().Descriptor().Name()), unpacked)
}

func walkValue(fd protoreflect.FieldDescriptor, v protoreflect.Value, path string, unpacked map[string]int) []string {
	if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind {
		return nil
	}
	msg := v.Message()
	if a, ok := msg.Interface().(*anypb.Any); ok {
		return unpackAny(a, path, unpacked)
	}
	return walkAnys(msg, path, unpacked)
}

// walkAnys finds the Anys in m's set fields (not in m itself).
func walkAnys(m protoreflect.Message, path string, unpacked map[string]int) []string {
	var out []string
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		p := path + "." + string(fd.Name())
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				out = append(out, walkValue(fd, l.Get(i), fmt.Sprintf("%s[%d]", p, i), unpacked)...)
			}
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				out = append(out, walkValue(fd.MapValue(), mv, fmt.Sprintf("%s[%v]", p, k.Interface()), unpacked)...)
				return true
			})
		default:
			out = append(out, walkValue(fd, v, p, unpacked)...)
		}
		return true
	})
	return out
}
