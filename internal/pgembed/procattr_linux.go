package pgembed

import "syscall"

// procAttr returns the attributes for a server process: run as cred (nil:
// as ourselves), in its own process group if pgid, and sent deathSig when
// the thread that started it ends (see startLocked).
func procAttr(cred *syscall.Credential, pgid bool, deathSig syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Setpgid: pgid, Pdeathsig: deathSig}
}
