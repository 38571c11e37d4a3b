package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sendingo/sendingo/infra"
)

// infraCmd is `sendingo infra`: Terraform for the environments in
// infra/terraform/envs, run through terraform-exec (see package infra).
func infraCmd() *cobra.Command {
	var o infra.Options
	cmd := &cobra.Command{
		Use:   "infra",
		Short: "Plan, apply, destroy and read a deployment (Terraform environments in infra/terraform/envs)",
		Long: `Drive Terraform for one environment (a directory under infra/terraform/envs):

  sendingo infra plan    --env staging   init, select the workspace, save a plan, summarise it
  sendingo infra apply   --env staging   apply that saved plan (only if the state has not moved)
  sendingo infra output  --env staging   the outputs as JSON
  sendingo infra destroy --env staging   plan a destroy, confirm, apply it

terraform is $SENDINGO_TERRAFORM, else terraform on PATH, else the pinned v1.5.7
built from tools/terraform on first use. Terraform's own output is streamed.`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&o.Env, "env", "", "environment: a directory under infra/terraform/envs (staging, prod)")
	pf.StringVar(&o.Dir, "dir", "", "the infra/terraform directory (default: found above the working directory)")
	pf.StringVar(&o.Workspace, "workspace", "", "Terraform workspace (default: the environment's name)")
	pf.StringArrayVar(&o.BackendConfig, "backend-config", nil, "extra backend configuration, KEY=VALUE or a file (after envs/ENV/backend.hcl); repeatable")
	pf.StringVar(&o.PlanFile, "plan-file", "", "where the plan is saved (default envs/ENV/sendingo-WORKSPACE.tfplan)")
	pf.BoolVar(&o.Reconfigure, "reconfigure", false, "init -reconfigure: use the backend configuration as given, without migrating state")
	_ = cmd.MarkPersistentFlagRequired("env")

	// open finds terraform and the environment, then inits it and selects its
	// workspace. Terraform's own output goes to stdout, or to stderr when stdout
	// carries an answer for scripts.
	open := func(cmd *cobra.Command, answerOnStdout bool) (*infra.Driver, error) {
		if o.Dir == "" {
			dir, err := infra.DefaultDir()
			if err != nil {
				return nil, err
			}
			o.Dir = dir
		}
		stderr := cmd.ErrOrStderr()
		tf, err := infra.FindTerraform(cmd.Context(), func(format string, args ...any) {
			fmt.Fprintf(stderr, format+"\n", args...)
		})
		if err != nil {
			return nil, err
		}
		o.Terraform = tf
		if os.Getenv("CHECKPOINT_DISABLE") == "" {
			// No "a newer terraform exists" call home from a pinned, scripted run.
			os.Setenv("CHECKPOINT_DISABLE", "1")
		}
		o.Stdout, o.Stderr = cmd.OutOrStdout(), stderr
		if answerOnStdout {
			o.Stdout = stderr
		}
		d, err := infra.New(o)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stderr, "sendingo infra: env %s, workspace %s, %s\n", o.Env, d.Workspace(), tf)
		return d, d.Prepare(cmd.Context())
	}
	planFlags := func(c *cobra.Command) {
		c.Flags().StringArrayVar(&o.Vars, "var", nil, "set a variable, KEY=VALUE; repeatable")
		c.Flags().StringArrayVar(&o.VarFiles, "var-file", nil, "read variables from a file (envs/ENV/terraform.tfvars is always read); repeatable")
	}

	var destroyPlan bool
	plan := &cobra.Command{
		Use:   "plan",
		Short: "Save a plan for the environment and print what it adds, changes and destroys by resource type",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := open(cmd, false)
			if err != nil {
				return err
			}
			sum, err := d.Plan(cmd.Context(), destroyPlan)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "\n── sendingo infra: %s (workspace %s) ──\n", o.Env, d.Workspace())
			sum.Print(w)
			if sum.Empty() && len(sum.OutputsChanged) == 0 {
				fmt.Fprintln(w, "Nothing to do.")
				return nil
			}
			fmt.Fprintf(w, "Saved to %s.\nApply exactly this plan with: sendingo infra apply --env %s\n", d.PlanFile(), o.Env)
			return nil
		},
	}
	plan.Flags().BoolVar(&destroyPlan, "destroy", false, "plan the destruction of everything in the environment")
	planFlags(plan)

	apply := &cobra.Command{
		Use:   "apply",
		Short: "Apply the saved plan (refused when there is none or the state has moved since), then print the post-deploy steps",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := open(cmd, false)
			if err != nil {
				return err
			}
			sum, destroy, err := d.SavedPlan()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			kind := "plan"
			if destroy {
				kind = "DESTROY plan"
			}
			fmt.Fprintf(w, "Applying the saved %s for %s:\n", kind, o.Env)
			sum.Print(w)
			if err := d.Apply(cmd.Context()); err != nil {
				return err
			}
			if destroy {
				return nil
			}
			return printPostDeploy(cmd, d)
		},
	}

	var yes bool
	destroy := &cobra.Command{
		Use:   "destroy",
		Short: "Plan the destruction of the environment, ask for its name, and apply that plan",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := open(cmd, false)
			if err != nil {
				return err
			}
			sum, err := d.Plan(cmd.Context(), true)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			sum.Print(w)
			if sum.Empty() {
				fmt.Fprintln(w, "Nothing to destroy.")
				return nil
			}
			if !yes {
				fmt.Fprintf(w, "This destroys %d resources of %s. Type the environment's name to go on: ", sum.Destroy, o.Env)
				line, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if strings.TrimSpace(line) != o.Env {
					d.DiscardPlan() // a destroy plan must not wait for a later apply
					return errors.New("destroy cancelled: the name did not match")
				}
			}
			return d.Apply(cmd.Context())
		},
	}
	destroy.Flags().BoolVar(&yes, "yes", false, "do not ask for the environment's name")
	planFlags(destroy)

	var showSensitive bool
	output := &cobra.Command{
		Use:   "output [NAME]",
		Short: "Print the environment's outputs as JSON (sensitive values hidden unless --show-sensitive)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := open(cmd, true)
			if err != nil {
				return err
			}
			outs, err := d.Outputs(cmd.Context())
			if err != nil {
				return err
			}
			if len(args) == 1 {
				v, ok := outs[args[0]]
				if !ok {
					return fmt.Errorf("no output %q", args[0])
				}
				outs = map[string]infra.Output{args[0]: v}
			}
			b, err := infra.OutputsJSON(outs, showSensitive)
			if err != nil {
				return err
			}
			if len(args) == 1 { // the value alone, for scripts
				var m map[string]json.RawMessage
				if err := json.Unmarshal(b, &m); err != nil {
					return err
				}
				b = m[args[0]]
			}
			fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return nil
		},
	}
	output.Flags().BoolVar(&showSensitive, "show-sensitive", false, "print sensitive values too")

	cmd.AddCommand(plan, apply, destroy, output)
	return cmd
}

// printPostDeploy prints the commands the environment's post_deploy_commands
// output lists: what a deploy still needs (migrations, search attributes, a
// fresh rollout). They are printed, not run: they need credentials and a
// reviewed order that an apply should not assume.
func printPostDeploy(cmd *cobra.Command, d *infra.Driver) error {
	outs, err := d.Outputs(cmd.Context())
	if err != nil {
		return err
	}
	steps, err := infra.PostDeploySteps(outs)
	if err != nil || len(steps) == 0 {
		return err
	}
	w := cmd.OutOrStdout()
	fmt.Fprintln(w, "\nPost-deploy steps (run in order):")
	for i, s := range steps {
		fmt.Fprintf(w, "  %d. %s\n", i+1, s)
	}
	return nil
}
