"""Console accounts and what each may see.

identity          an account's stored address, the accounts at an address, its name in the
                  audit trail, and the audit events about it
console_sessions  signed-in sessions: started, found live, ended (signed out, idle, past
                  their lifetime, or ended by what happens to the account)
signing_in        the password and code checks, and the lock after repeated failures
accounts          creating and inviting accounts, setting them up, password resets, and
                  officers disabling, re-enabling and re-inviting users
passwords         argon2 hashes and the rules for a new password
totp              authenticator-app codes
scope             who may see and do what: the one place that scopes every console query
web               the console's Flask side: the signed-in user and the permission decorators

Each of the first four imports only those listed before it (and passwords, totp); none of them
knows about Flask.
"""
