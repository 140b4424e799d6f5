"""Console accounts and what each may see.

accounts    creating, setting up, signing in and out, locking, resetting (no Flask)
passwords   argon2 hashes and the rules for a new password
totp        authenticator-app codes
scope       who may see and do what: the one place that scopes every console query
web         the console's Flask side: the signed-in user and the permission decorators
"""
