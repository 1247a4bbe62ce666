/* check_k8s_crd: being written (issue 9). */
