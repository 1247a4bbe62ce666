/* check_policy_semantics: being written (issue 9). */
