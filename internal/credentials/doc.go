// Package credentials recognises credentials in Kubernetes resources: the
// values of a Secret's data and stringData, values under keys that name a
// credential (password, token, secret_key, apiKey, credentials, ...) and
// values that have the shape of one (AWS access key ids, private key
// blocks, tokens, passwords in URLs).
//
// The function uses it twice: to mask such values in every message it
// prints (results, stderr, explain), and to warn when a template or overlay
// commits a credential in plain text instead of a Flux ${VAR} placeholder.
package credentials
