package main_test

import (
	"testing"

	"github.com/crucible-talent/crucible/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
