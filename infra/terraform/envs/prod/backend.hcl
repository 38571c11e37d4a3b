# S3 state with DynamoDB locking (README "Deploy to AWS" creates both once).
bucket         = "CHANGE-ME-sendingo-tfstate"
key            = "sendingo/prod.tfstate"
region         = "ap-northeast-2"
dynamodb_table = "sendingo-tfstate-locks"
encrypt        = true
