output "identity_arn" {
  description = "The SES identity's ARN."
  value       = aws_sesv2_email_identity.this.arn
}

output "smtp_endpoint" {
  description = "SES's SMTP endpoint in the region (STARTTLS on 587)."
  value       = "email-smtp.${var.region}.amazonaws.com:587"
}

output "mail_from" {
  description = "The sender address alerts use."
  value       = "sendingo@${var.domain}"
}

output "dkim_records" {
  description = "The three DKIM CNAME records (name → value) to publish when Route 53 does not hold the domain."
  value = {
    for t in aws_sesv2_email_identity.this.dkim_signing_attributes[0].tokens :
    "${t}._domainkey.${var.domain}" => "${t}.dkim.amazonses.com"
  }
}

output "smtp_credentials_secret_arn" {
  description = "The (initially empty) secret for the SES SMTP credentials."
  value       = aws_secretsmanager_secret.smtp.arn
}
