path = "terraform.tfstate"
