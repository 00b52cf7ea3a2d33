// Package atomicfile writes a file so that a reader, or the file system
// after a crash, sees either its old contents or its new ones whole: the
// node's key files and the tiles of a directory destination.
package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes data to path through a temporary file beside it ("." +
// name + ".tmp-*", in the same directory, so that the rename does not
// cross file systems), with mode perm, fsynced before it is renamed into
// place. On any error the temporary file is removed and path is left as
// it was (a full disk, a file-size limit). A crash can leave a temporary
// file behind. The directory is not synced: SyncDir makes the rename
// durable.
func Write(path string, data []byte, perm fs.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// SyncDir fsyncs directory dir, making the entries renamed into it
// durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
