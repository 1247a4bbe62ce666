/* kubeconfig: being written (issue 9). */
