# The SES identity alert and invitation e-mails are sent from. SES starts in
# its sandbox: ask AWS for production access before mailing anyone outside your
# verified addresses.

resource "aws_sesv2_email_identity" "this" {
  email_identity = var.domain
  tags           = var.tags
}

resource "aws_route53_record" "dkim" {
  count   = var.route53_zone_id == null ? 0 : 3
  zone_id = var.route53_zone_id
  name    = "${aws_sesv2_email_identity.this.dkim_signing_attributes[0].tokens[count.index]}._domainkey.${var.domain}"
  type    = "CNAME"
  ttl     = 1800
  records = ["${aws_sesv2_email_identity.this.dkim_signing_attributes[0].tokens[count.index]}.dkim.amazonses.com"]
}

# SES's SMTP interface needs SMTP credentials (SES console → SMTP settings);
# they go here, never into Terraform. The secret is created empty.
resource "aws_secretsmanager_secret" "smtp" {
  name                    = "${var.name}/smtp-credentials"
  description             = "SES SMTP credentials as JSON {\"username\":\"...\",\"password\":\"...\"}"
  recovery_window_in_days = 7
  tags                    = var.tags
}
