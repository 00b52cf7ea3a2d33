package openapi

import "github.com/danielgtaylor/huma/v2"

// registerLog registers the tamper-evident log operations (/v1/log/...).
func (s *server) registerLog(api huma.API) {}
