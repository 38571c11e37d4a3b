package relay

// codeOutcomes is the outcome every shared failure code stands for. Generic relays
// answer with these codes directly; the Aligo and SMTP adapters map their providers'
// codes onto them (see aligoAlimTalkCodes, kakaoResultCodes, aligoSMSCodes and
// smtpOutcome).
var codeOutcomes = map[string]Outcome{
	CodeNotKakaoUser:     RecipientFailed,
	CodeBlocked:          RecipientFailed,
	CodeTemplateMismatch: RecipientFailed,
	// A template the relay does not know cannot be sent to anyone, but retrying the
	// relay will not help and the SMS fallback text still can reach the recipient.
	CodeTemplateNotFound: RecipientFailed,
	// Outside the channel's sending hours: another relay would refuse too; SMS can
	// still go (quiet hours for advertising are enforced before sending).
	CodeOutsideHours:    RecipientFailed,
	CodeOptedOut:        RecipientFailed,
	CodeInvalidNumber:   RecipientFailed,
	CodeInvalidAddress:  RecipientFailed,
	CodeContentRejected: RecipientFailed,
	CodeUndeliverable:   RecipientFailed,

	CodeAuth:               RelayFault,
	CodeInsufficientFunds:  RelayFault,
	CodeInvalidProfile:     RelayFault,
	CodeSenderUnregistered: RelayFault,
	// A request the relay calls malformed is a fault of the pair (us, relay): another
	// relay may well take it, and the breaker should notice a relay that refuses all.
	CodeBadRequest:  RelayFault,
	CodeRateLimited: RelayFault,
	CodeServerError: RelayFault,
	CodeTimeout:     RelayFault,
	CodeNoAnswer:    RelayFault,
	CodeUnreachable: RelayFault,
	// A destination the egress guard refuses stays refused until the operator
	// lists it; the breaker and failover treat it like an unreachable relay.
	CodeAddressRefused: RelayFault,
	CodeBadAnswer:      RelayFault,
	CodeCircuitOpen:    RelayFault,
	CodeNoRelay:        RelayFault,
	CodeNotSent:        RelayFault,
	CodeUnknown:        RelayFault,
}

// CodeOutcome returns the outcome a shared failure code stands for.
func CodeOutcome(code string) (Outcome, bool) {
	o, ok := codeOutcomes[code]
	return o, ok
}
