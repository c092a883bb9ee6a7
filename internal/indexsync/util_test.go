package indexsync_test

import "os"

func removeAll(dir string) error { return os.RemoveAll(dir) }
