// Command etcd is the upstream etcd server, wrapped in its own module so its
// dependency versions never meet the API server's.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
