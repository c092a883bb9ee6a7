package main

import "github.com/crucible-talent/crucible/internal/coop"

var noStudentFilter = coop.StudentFilter{}
