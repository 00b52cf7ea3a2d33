package openapi

// IsPublicDetail reports whether d is one of the fixed problem details.
func IsPublicDetail(d string) bool { return publicDetails[d] }
