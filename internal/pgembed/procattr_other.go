//go:build unix && !linux

package pgembed

import "syscall"

// procAttr returns the attributes for a server process: run as cred (nil:
// as ourselves), in its own process group if pgid. Without Linux's
// parent-death signal, a server whose parent is killed hard keeps running
// until stopped.
func procAttr(cred *syscall.Credential, pgid bool, _ syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Setpgid: pgid}
}
