package coop

// NoObject is the error for an id the client gave whose object does not
// exist or may not be seen: one message for both, so that the answer
// discloses nothing.
func NoObject(gid string) error {
	return Errorf(ENOTFOUND, "No object has the id %q.", gid)
}

// AsNoObject turns a NOT_FOUND from loading the object of gid into
// NoObject(gid) and leaves other errors alone.
func AsNoObject(err error, gid string) error {
	if ErrorCode(err) == ENOTFOUND {
		return NoObject(gid)
	}
	return err
}

// Hidden is the error for a nested object the viewer may not see (the
// client gave no id of it): as for one that does not exist.
func Hidden() error { return Errorf(ENOTFOUND, "Not found.") }
