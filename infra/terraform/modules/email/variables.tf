variable "name" {
  type        = string
  description = "Name prefix of every resource, e.g. sendingo-staging."
}

variable "region" {
  type        = string
  description = "AWS region whose SES endpoint sends the mail."
}

variable "domain" {
  type        = string
  description = "Domain alert and invitation e-mails are sent from, e.g. mail.example.com; SES verifies it through DKIM."
}

variable "route53_zone_id" {
  type        = string
  description = "Route 53 hosted zone of the domain: when set, the DKIM records are published there; when null, publish the dkim_records output yourself."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
