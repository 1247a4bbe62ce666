#include "calico/v2trap.h"

enum dsck_err v2trap_add_offline(struct findings *f, const char *file)
{
	return findings_add(f, SEV_WARNING, V2TRAP_CODE, NULL, NULL, 0,
			    "%s holds no /calico keys: an etcd backend file (etcdctl snapshot "
			    "save) holds only the v3 store, and a Calico v2.x cluster keeps its "
			    "data in the v2 store; back that up with: dsck snapshot save FILE "
			    "--api v2", file);
}

enum dsck_err v2trap_add_online(struct findings *f, size_t keys)
{
	return findings_add(f, SEV_WARNING, V2TRAP_CODE, NULL, NULL, 0,
			    "the v2 store holds %zu Calico keys: etcdctl snapshot save does not "
			    "back up v2 data (it copies only the v3 store); back it up with: dsck "
			    "snapshot save FILE --api v2", keys);
}
