package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func (s *Server) listGroups(c *gin.Context) {
	groups, err := s.store.Groups(c.Request.Context(), account(c))
	if !storeErr(c, err, "groups") {
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": groups, "total": len(groups)})
}
