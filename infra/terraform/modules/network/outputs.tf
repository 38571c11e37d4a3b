output "vpc_id" {
  description = "The VPC's id."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "The VPC's address range."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets (ALB, NAT gateways), one per zone."
  value       = aws_subnet.public[*].id
}

output "public_subnet_cidr_blocks" {
  description = "The public subnets' address ranges: where the ALB's nodes are, whose forwarded headers the API believes."
  value       = aws_subnet.public[*].cidr_block
}

output "private_subnet_ids" {
  description = "Private subnets (ECS tasks, RDS, endpoints), one per zone."
  value       = aws_subnet.private[*].id
}

output "nat_public_ips" {
  description = "The addresses outbound traffic leaves from: register them where a relay allow-lists senders (Aligo does)."
  value       = aws_eip.nat[*].public_ip
}
