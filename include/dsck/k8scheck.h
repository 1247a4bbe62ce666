/* k8scheck: being written (issue 9). */
#ifndef DSCK_K8SCHECK_H
#define DSCK_K8SCHECK_H

#endif
