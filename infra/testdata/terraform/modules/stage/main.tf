variable "greeting" {
  type        = string
  description = "Text the stage holds."
}

resource "terraform_data" "stage" {
  input = var.greeting
}

output "greeting" {
  description = "The text the stage holds."
  value       = terraform_data.stage.output
}
