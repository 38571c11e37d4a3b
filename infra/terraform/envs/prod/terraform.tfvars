# What changes with each release; everything else is in main.tf. Set it here or
# with --var image_tag=... (any new tag, e.g. the git commit).
image_tag = "CHANGE-ME (the tag you pushed)"
