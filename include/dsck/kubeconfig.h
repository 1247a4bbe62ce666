/* kubeconfig: being written (issue 9). */
#ifndef DSCK_KUBECONFIG_H
#define DSCK_KUBECONFIG_H

#endif
