terraform {
  required_version = ">= 1.7"
  backend "s3" {
    bucket = "acme-streaming-terraform-state"
    key    = "production/terraform.tfstate"
    region = "eu-west-1"
  }
}

provider "aws" {
  region = "eu-west-1"
}

module "prod_eks" {
  source          = "./modules/eks"
  cluster_name    = "prod-eks"
  cluster_version = "1.31"
}

module "orders_db" {
  source         = "./modules/postgres"
  identifier     = "orders-db"
  engine_version = "16"
  instance_class = "db.r6g.large"
  multi_az       = true
}

resource "aws_sqs_queue" "checkout_orders" {
  name                        = "checkout-orders.fifo"
  fifo_queue                  = true
  content_based_deduplication = true
  visibility_timeout_seconds  = 60
}

resource "aws_s3_bucket" "catalog_media" {
  bucket = "acme-streaming-catalog-media"
}
