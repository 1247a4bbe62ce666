/* k8s: being written (issue 9). */
