/* k8s: being written (issue 9). */
#ifndef DSCK_K8S_H
#define DSCK_K8S_H

#endif
