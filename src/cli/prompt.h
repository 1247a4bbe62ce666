/* prompt: ask for a password on the terminal, without echo. */
#ifndef DSCK_CLI_PROMPT_H
#define DSCK_CLI_PROMPT_H

/* The password typed for @user (free it after wiping), or NULL without a terminal. */
char *cli_prompt_password(const char *user);

#endif
