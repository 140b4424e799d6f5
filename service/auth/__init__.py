"""Console accounts: passwords, authenticator codes, sessions and the links that set them up."""
