package handlers

import (
	"context"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"vettest/app/ginlike"
	"vettest/app/model"
	"vettest/app/service"
	"vettest/app/storage"
)

// Gin serves the same API with a gin-style router.
type Gin struct {
	DB    *dynamodb.Client
	Docs  *service.Docs
	Notes *service.Notes
}

// Register routes the handlers.
func (g *Gin) Register(e *ginlike.Engine) {
	e.PUT("/docs/:id", g.UpdateDoc)
	e.DELETE("/docs/:id", g.DeleteDoc)
	e.POST("/docs/:id/copy", g.CopyDoc)
	e.POST("/docs/:id/view", g.View)
	e.POST("/config", g.ResetConfig)
	e.PUT("/notes/:id", g.RenameNote)
}

// UpdateDoc delegates to the service, which holds the race.
func (g *Gin) UpdateDoc(c *ginlike.Context) { // want UpdateDoc:"^writes PutItem unconditioned at storage.go:43 keyed by parameter \\[1\\]$"
	if err := g.Docs.Update(c.Request.Context(), c.GetString("user"), c.Param("id"), "body"); err != nil {
		c.JSON(http.StatusForbidden, err)
	}
}

// DeleteDoc deletes through the generic helper with a key the caller
// chose: reported here, where the caller is known.
func (g *Gin) DeleteDoc(c *ginlike.Context) { // want DeleteDoc:"^writes DeleteItem unconditioned at storage.go:60 keyed by parameter \\[1\\]$"
	err := storage.DeleteItem(c.Request.Context(), g.DB, "doc#"+c.Param("id"), "meta") // want `^this call to storage.DeleteItem passes it the key or item of an unconditioned DeleteItem at storage.go:60, which deletes the item whoever owns it; use ddbguard Guard.Delete$`
	if err != nil {
		c.JSON(http.StatusInternalServerError, err)
	}
}

// CopyDoc checks the owner, then stores through the generic helper: the
// wrapper finding, with the race added to it.
func (g *Gin) CopyDoc(c *ginlike.Context) { // want CopyDoc:"^writes PutItem unconditioned at storage.go:53"
	ctx := c.Request.Context()
	doc, err := storage.GetDoc(ctx, g.DB, c.Param("id"))
	if err != nil || doc.OwnerID != c.GetString("user") {
		c.JSON(http.StatusForbidden, model.ErrForbidden)
		return
	}
	cp := *doc
	cp.ID = doc.ID + "-copy"
	_ = storage.PutItem(ctx, g.DB, cp) // want `^this call to storage.PutItem passes it the key or item of an unconditioned PutItem at storage.go:53, which overwrites the item whoever owns it; read-then-write race .* the GetItem \(through storage.GetDoc\) at gin.go:54 is compared to decide whether it runs`
}

// View counts a view: low severity in storage, nothing here.
func (g *Gin) View(c *ginlike.Context) { // want View:"low: increment-only update"
	_ = storage.IncrementViews(c.Request.Context(), g.DB, c.Param("id"))
}

// ResetConfig writes a constant key through the helper: no user data, so
// only the helper's own finding stands.
func (g *Gin) ResetConfig(c *ginlike.Context) { // want ResetConfig:"^writes DeleteItem unconditioned at storage.go:60$"
	_ = storage.DeleteItem(c.Request.Context(), g.DB, "config", "global")
	_ = storage.PutItem(context.Background(), g.DB, map[string]string{"pk": "config"})
}

// RenameNote goes through the service and its repository interface.
func (g *Gin) RenameNote(c *ginlike.Context) {
	var body struct{ Title string }
	if err := c.BindJSON(&body); err != nil {
		return
	}
	_ = g.Notes.Rename(c.Request.Context(), c.GetString("user"), c.Param("id"), body.Title)
}

// Publish builds the input here and sends it through storage.Send, whose
// fact says it writes through its input: the input is reported here.
func (g *Gin) Publish(c *ginlike.Context) { // want Publish:"^writes UpdateItem unconditioned at gin.go:89 keyed by parameter \\[1\\]$"
	in := &dynamodb.UpdateItemInput{Key: docKey(c.Param("id")), UpdateExpression: aws.String("SET published = :t")}
	_ = storage.Send(c.Request.Context(), g.DB, in) // want `^UpdateItem without ConditionExpression or Expected changes \(or creates\) the item whoever owns it; use ddbguard Guard.Update`
}

// PublishGuarded sends a conditioned input through the same helper.
func (g *Gin) PublishGuarded(c *ginlike.Context) {
	in := &dynamodb.UpdateItemInput{Key: docKey(c.Param("id")), UpdateExpression: aws.String("SET published = :t")}
	in.ConditionExpression = aws.String("#o = :me")
	_ = storage.Send(c.Request.Context(), g.DB, in)
}

func docKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: id}}
}
