package server_test

import "github.com/crucible-talent/crucible/graph"

func graphGlobalID(typ string, id int64) string { return graph.GlobalID(typ, id) }
