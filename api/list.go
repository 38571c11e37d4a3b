package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
)

// same is listPage's (and showRow's) show for items answered as they are.
func same[T any](x T) T { return x }

// showRow answers the row named by :id as show makes it.
func showRow[T, J any](c *gin.Context, what string, get func(ctx context.Context, accountID, id int64) (T, error), show func(T) J) {
	if row, ok := pathRow(c, what, get); ok {
		c.JSON(http.StatusOK, show(row))
	}
}
