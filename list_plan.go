package ddbguard

import (
	"errors"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// listPlan is what New works out once for List: the key condition, the
// names Where may not use and the key attributes a cursor holds. Views of
// the Guard share it.
type listPlan struct {
	index   string
	keyCond string
	attrs   []cursorAttr        // in name order
	keys    map[string]struct{} // Owner, Tenant and every key attribute
	sealAD  []byte              // a sealed cursor's additional data
}

// planList checks the owner index's part of the Schema and works out
// listPlan. It runs in New, after the rest of the Schema is checked.
func (g *Guard) planList() error {
	s := &g.s
	if s.OwnerIndex == "" {
		if s.OwnerIndexSortKey != "" || s.OwnerIndexSortKeyType != "" {
			return errors.New("OwnerIndexSortKey and OwnerIndexSortKeyType need OwnerIndex")
		}
		return nil
	}
	if err := checkName(s.OwnerIndex); err != nil {
		return fmt.Errorf("OwnerIndex: %w", err)
	}
	sk, skType, err := indexSortKey(s)
	if err != nil {
		return err
	}
	p := &listPlan{index: s.OwnerIndex, keyCond: keyCondOwner, keys: map[string]struct{}{}}
	if s.Tenant != "" {
		p.keyCond = keyCondTenant
		p.keys[s.Tenant] = struct{}{}
	}
	p.add(cursorAttr{name: s.PartitionKey, typ: g.keyType(0), max: 2048})
	if s.SortKey != "" {
		p.add(cursorAttr{name: s.SortKey, typ: g.keyType(1), max: 1024})
	}
	p.add(cursorAttr{name: s.Owner, typ: types.ScalarAttributeTypeS, max: 2048, owner: true})
	if sk != "" {
		if err := p.add(cursorAttr{name: sk, typ: skType, max: 1024, tenant: s.Tenant != ""}); err != nil {
			return err
		}
	}
	for _, a := range p.attrs {
		p.keys[a.name] = struct{}{}
	}
	sort.Slice(p.attrs, func(i, j int) bool { return p.attrs[i].name < p.attrs[j].name })
	p.sealAD = append([]byte{cursorSealed}, p.index...)
	g.list = p
	return nil
}

// indexSortKey returns the owner index's sort key and its declared type:
// Tenant when the Schema has one.
func indexSortKey(s *Schema) (string, types.ScalarAttributeType, error) {
	sk, typ := s.OwnerIndexSortKey, s.OwnerIndexSortKeyType
	if s.Tenant != "" {
		if sk != "" && sk != s.Tenant {
			return "", "", errors.New("with Tenant, OwnerIndexSortKey must be Tenant")
		}
		if typ != "" && typ != types.ScalarAttributeTypeS {
			return "", "", errors.New("with Tenant, OwnerIndexSortKeyType must be S")
		}
		sk, typ = s.Tenant, types.ScalarAttributeTypeS
	}
	switch {
	case sk == "" && typ != "":
		return "", "", errors.New("OwnerIndexSortKeyType needs an index sort key")
	case sk == "":
		return "", "", nil
	case sk == s.Owner:
		return "", "", errors.New("OwnerIndexSortKey cannot be Owner, the index's partition key")
	case typ != "" && typ != types.ScalarAttributeTypeS && typ != types.ScalarAttributeTypeN && typ != types.ScalarAttributeTypeB:
		return "", "", fmt.Errorf("OwnerIndexSortKeyType %q is not S, N or B", typ)
	}
	if err := checkName(sk); err != nil {
		return "", "", fmt.Errorf("OwnerIndexSortKey: %w", err)
	}
	return sk, typ, nil
}

// add adds a key attribute to those a cursor holds. An attribute that is a
// key of both the table and the index is one attribute, whose type and
// limit are the stricter ones.
func (p *listPlan) add(a cursorAttr) error {
	for i := range p.attrs {
		b := &p.attrs[i]
		if b.name != a.name {
			continue
		}
		if b.typ != "" && a.typ != "" && b.typ != a.typ {
			return fmt.Errorf("the owner index's sort key type contradicts the type of key %q", a.name)
		}
		if a.typ != "" {
			b.typ = a.typ
		}
		b.tenant = b.tenant || a.tenant
		b.max = min(b.max, a.max)
		return nil
	}
	p.attrs = append(p.attrs, a)
	return nil
}
