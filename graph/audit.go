package graph

import (
	"context"
	"log/slog"
	"reflect"

	"github.com/99designs/gqlgen/graphql"

	"github.com/crucible-talent/crucible/internal/coop"
)

// auditedReads are the root queries that read students or their personal
// data in bulk; every call is written to the audit log.
var auditedReads = map[string]bool{
	"students": true, "applications": true, "searchStudents": true, "shortlist": true, "shortlists": true,
	"exportMyData": true,
}

// Audit returns the field step (run by Rules) that writes the audit log: every
// mutation that changed something (no error, no userErrors), and every bulk
// read of students, with the actor, the object and the request id.
func Audit(db coop.AuditLog, log *slog.Logger) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || fc.Field.Field == nil {
			return next(ctx)
		}
		obj, name := fc.Object, fc.Field.Name
		if !(obj == "Mutation" || (obj == "Query" && auditedReads[name])) {
			return next(ctx)
		}
		res, err := next(ctx)
		v := coop.ViewerFrom(ctx)
		if err != nil || v == nil || (obj == "Mutation" && hasUserErrors(res)) {
			return res, err
		}
		e := coop.AuditEntry{Actor: v.Actor(), Role: string(v.Role), Action: name, RequestID: v.RequestID,
			Detail: map[string]any{}}
		if v.TokenID != 0 {
			id := v.TokenID
			e.TokenID = &id
		}
		args := fc.Args
		if in, ok := args["input"]; ok {
			e.ObjectID = inputID(in)
		} else {
			for _, k := range []string{"internshipId", "id", "studentId"} {
				if s, ok := args[k].(string); ok {
					e.ObjectID = s
				}
			}
			e.Detail["args"] = args
		}
		if e.ObjectID == "" {
			e.ObjectID = resultID(res)
		}
		if typ, _, ok := coop.ParseGlobalID(e.ObjectID); ok {
			e.ObjectType = typ
		}
		// Written off the request's path, in groups; the log's readers and
		// a clean shutdown wait for it (coop.AuditLog.AuditLater).
		db.AuditLater(e, func(aerr error) {
			log.Error("audit log write failed", "err", aerr, "action", name, "request_id", e.RequestID)
		})
		return res, err
	}
}

// inputID finds the "id" (or the subject's id) of a mutation input.
func inputID(in any) string {
	rv := reflect.Indirect(reflect.ValueOf(in))
	if rv.Kind() != reflect.Struct {
		return ""
	}
	for _, f := range []string{"ID", "StudentID", "InternshipID", "PartnerID"} {
		fv := rv.FieldByName(f)
		switch {
		case !fv.IsValid():
		case fv.Kind() == reflect.String && fv.String() != "":
			return fv.String()
		case fv.Kind() == reflect.Pointer && !fv.IsNil() && fv.Elem().Kind() == reflect.String:
			return fv.Elem().String()
		}
	}
	return ""
}

// resultID finds the global id of the object a mutation payload returns.
func resultID(res any) string {
	rv := reflect.Indirect(reflect.ValueOf(res))
	if rv.Kind() != reflect.Struct {
		return ""
	}
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		if f.Kind() != reflect.Pointer || f.IsNil() || f.Elem().Kind() != reflect.Struct {
			continue // not an object (a link's URL, an expiry)
		}
		idf := f.Elem().FieldByName("ID")
		if idf.IsValid() && idf.Kind() == reflect.Int64 {
			return coop.GlobalID(rv.Type().Field(i).Name, idf.Int())
		}
	}
	return ""
}

func hasUserErrors(res any) bool {
	rv := reflect.Indirect(reflect.ValueOf(res))
	if rv.Kind() != reflect.Struct {
		return false
	}
	ue := rv.FieldByName("UserErrors")
	return ue.IsValid() && ue.Kind() == reflect.Slice && ue.Len() > 0
}
