package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/activities"
	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/onetime"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/worker"
)

func workerCmd(load loader) *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run the Temporal worker (workflows and activities)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withServices(cmd, load, false, runWorker)
		},
	}
}

// runWorker runs the worker until ctx ends.
func runWorker(ctx context.Context, cfg config.Config, log *slog.Logger, st *store.Store, tc client.Client) error {
	guard, err := cfg.Egress()
	if err != nil {
		return err
	}
	if allowed := guard.List(); len(allowed) > 0 {
		log.Info("tenant addresses may reach these private hosts", "allow_private_hosts", allowed)
	}
	acts := activities.New(st, log, cfg.PublicURL, guard)
	mailer, err := activities.NewSMTPMailer(cfg.SMTPAddr, cfg.MailFrom, acts.RelayOptions)
	if err != nil {
		return fmt.Errorf("SENDINGO_SMTP_ADDR: %w", err)
	}
	acts.Mail = mailer
	acts.LinkKey = onetime.Key(cfg.JWTSecret)
	acts.LogLinks = cfg.Dev
	w := worker.New(tc, cfg.TaskQueue, acts, worker.DefaultOptions())
	log.Info("worker started", "task_queue", cfg.TaskQueue)
	defer log.Info("worker stopped")
	return worker.Run(ctx, w)
}
