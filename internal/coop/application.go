package coop

// ApplicationStatus is a state of an application.
type ApplicationStatus string

// Application statuses. The happy path runs APPLIED → SHORTLISTED →
// INTERVIEWING → OFFERED → ACCEPTED → COMPLETED → HIRED; REJECTED, DECLINED and
// WITHDRAWN end it early.
const (
	ApplicationApplied      ApplicationStatus = "APPLIED"
	ApplicationShortlisted  ApplicationStatus = "SHORTLISTED"
	ApplicationInterviewing ApplicationStatus = "INTERVIEWING"
	ApplicationOffered      ApplicationStatus = "OFFERED"
	ApplicationAccepted     ApplicationStatus = "ACCEPTED"
	ApplicationCompleted    ApplicationStatus = "COMPLETED"
	ApplicationHired        ApplicationStatus = "HIRED"
	ApplicationRejected     ApplicationStatus = "REJECTED"
	ApplicationDeclined     ApplicationStatus = "DECLINED"
	ApplicationWithdrawn    ApplicationStatus = "WITHDRAWN"
)

// transitions lists, for each status, the statuses it may move to.
var transitions = map[ApplicationStatus][]ApplicationStatus{
	ApplicationApplied:      {ApplicationShortlisted, ApplicationRejected, ApplicationWithdrawn},
	ApplicationShortlisted:  {ApplicationInterviewing, ApplicationRejected, ApplicationWithdrawn},
	ApplicationInterviewing: {ApplicationOffered, ApplicationRejected, ApplicationWithdrawn},
	ApplicationOffered:      {ApplicationAccepted, ApplicationDeclined, ApplicationWithdrawn},
	ApplicationAccepted:     {ApplicationCompleted, ApplicationWithdrawn},
	ApplicationCompleted:    {ApplicationHired, ApplicationDeclined},
}

// Valid reports whether s is a known status.
func (s ApplicationStatus) Valid() bool {
	if _, ok := transitions[s]; ok {
		return true
	}
	switch s {
	case ApplicationHired, ApplicationRejected, ApplicationDeclined, ApplicationWithdrawn:
		return true
	}
	return false
}

// Final reports whether no transition leaves s.
func (s ApplicationStatus) Final() bool { return len(transitions[s]) == 0 }

// CanTransition reports whether an application may move from one status to another.
func CanTransition(from, to ApplicationStatus) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// NextStatuses returns the statuses an application in status s may move to.
func NextStatuses(s ApplicationStatus) []ApplicationStatus {
	return append([]ApplicationStatus(nil), transitions[s]...)
}

// ValidateTransition returns a ValidationError unless from → to is legal.
func ValidateTransition(from, to ApplicationStatus) error {
	if !to.Valid() {
		return Invalid([]string{"to"}, CodeInvalid, "Unknown application status %q.", to)
	}
	if !CanTransition(from, to) {
		return Invalid([]string{"to"}, CodeIllegalMove, "An application cannot move from %s to %s.", from, to)
	}
	return nil
}
