"""`maestro dev`: deploy, then redeploy only what each save changed."""
