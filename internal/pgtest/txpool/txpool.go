// Package txpool is a minimal PostgreSQL connection pooler in transaction
// mode, for tests. Like PgBouncer with pool_mode=transaction and
// server_round_robin=1, it lends a client a server connection for one
// transaction (or one statement outside a transaction) at a time, and takes
// the idle server connections in turn, so that a client's next transaction
// usually runs on another server connection. Session state therefore does
// not last from one transaction to the next: a session-level advisory lock
// taken by one statement may be "released" by the next on another server
// connection, LISTEN registers a server connection that then serves other
// clients, and a named prepared statement may be missing. Code that claims
// to work behind such a pooler is tested through this one.
//
// Clients connect without a password over TCP on loopback; the pooler
// connects to the real server with the target connection string. It speaks
// only what pgx needs: no TLS, no cancel requests (a client that gives up
// closes its connection, and the server connection it held is closed too, as
// PgBouncer does), and the extended protocol only as single round trips
// (pgx's default_query_exec_mode=exec or simple_protocol), which is what a
// transaction pooler supports anyway.
package txpool

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// Pooler is a running pooler.
type Pooler struct {
	ln     net.Listener
	target *pgconn.Config
	params map[string]string // the server's parameter statuses, told to every client

	mu      sync.Mutex
	idle    []*server // first in, first out
	servers map[*server]bool
	clients map[net.Conn]bool
	closed  bool
	opened  int // server connections ever opened
	lent    int // transactions (loans of a server connection)
	wg      sync.WaitGroup
}

type server struct {
	conn net.Conn
	fe   *pgproto3.Frontend
}

// Start listens on a free loopback port and pools connections to the server
// of targetURL (any pgx connection string). It opens servers server
// connections up front (at least 1), so that consecutive transactions of one
// client already rotate among them.
func Start(targetURL string, servers int) (*Pooler, error) {
	cfg, err := pgconn.ParseConfig(targetURL)
	if err != nil {
		return nil, fmt.Errorf("txpool: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Pooler{ln: ln, target: cfg, servers: map[*server]bool{}, clients: map[net.Conn]bool{}}
	for i := 0; i < max(1, servers); i++ {
		s, err := p.connect()
		if err != nil {
			p.Close()
			return nil, err
		}
		p.idle = append(p.idle, s)
	}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// URL is the connection string of the pooler, with extra keywords appended
// (for example "default_query_exec_mode=exec").
func (p *Pooler) URL(extra string) string {
	addr := p.ln.Addr().(*net.TCPAddr)
	u := fmt.Sprintf("host=127.0.0.1 port=%d user='%s' dbname='%s' sslmode=disable", addr.Port, p.target.User, p.target.Database)
	if extra != "" {
		u += " " + extra
	}
	return u
}

// Stats reports how many server connections the pooler has opened, and how
// many times it has lent one to a client.
func (p *Pooler) Stats() (opened, lent int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.opened, p.lent
}

// Close stops listening and closes every client and server connection.
func (p *Pooler) Close() {
	p.mu.Lock()
	p.closed = true
	for c := range p.clients {
		c.Close()
	}
	for s := range p.servers {
		s.conn.Close()
	}
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}

func (p *Pooler) connect() (*server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pc, err := pgconn.ConnectConfig(ctx, p.target)
	if err != nil {
		return nil, fmt.Errorf("txpool: connect to the server: %w", err)
	}
	hc, err := pc.Hijack()
	if err != nil {
		return nil, err
	}
	s := &server{conn: hc.Conn, fe: hc.Frontend}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		s.conn.Close()
		return nil, errors.New("txpool: closed")
	}
	if p.params == nil {
		p.params = hc.ParameterStatuses
	}
	p.servers[s] = true
	p.opened++
	return s, nil
}

// acquire lends the idle server connection that has waited longest, or a
// new one.
func (p *Pooler) acquire() (*server, error) {
	p.mu.Lock()
	p.lent++
	if len(p.idle) > 0 {
		s := p.idle[0]
		p.idle = p.idle[1:]
		p.mu.Unlock()
		return s, nil
	}
	p.mu.Unlock()
	return p.connect()
}

func (p *Pooler) release(s *server) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.idle = append(p.idle, s)
}

// discard closes a server connection in an unknown state.
func (p *Pooler) discard(s *server) {
	p.mu.Lock()
	delete(p.servers, s)
	p.mu.Unlock()
	s.conn.Close()
}

func (p *Pooler) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			return
		}
		p.clients[c] = true
		p.wg.Add(1)
		p.mu.Unlock()
		go func() {
			defer p.wg.Done()
			(&client{p: p, conn: c, be: pgproto3.NewBackend(c, c)}).serve()
			p.mu.Lock()
			delete(p.clients, c)
			p.mu.Unlock()
			c.Close()
		}()
	}
}

// client is one client connection.
type client struct {
	p    *Pooler
	conn net.Conn
	be   *pgproto3.Backend

	mu      sync.Mutex // guards what follows, and writes to be
	cur     *server    // the server connection lent to this client, if any
	pending int        // Sync and Query messages not yet answered by ReadyForQuery
	done    bool
}

func (c *client) serve() {
	if !c.startup() {
		return
	}
	for {
		msg, err := c.be.Receive()
		if err != nil {
			break
		}
		if _, ok := msg.(*pgproto3.Terminate); ok {
			break
		}
		c.mu.Lock()
		if c.cur == nil {
			s, err := c.p.acquire()
			if err != nil {
				c.be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "08006", Message: err.Error()})
				_ = c.be.Flush()
				c.mu.Unlock()
				break
			}
			c.cur = s
			go c.pump(s)
		}
		switch msg.(type) {
		case *pgproto3.Sync, *pgproto3.Query:
			c.pending++
		}
		s := c.cur
		// Sent before the next Receive, which reuses the message's buffers.
		s.fe.Send(msg)
		err = s.fe.Flush()
		c.mu.Unlock()
		if err != nil {
			break
		}
	}
	c.mu.Lock()
	c.done = true
	s := c.cur
	c.cur = nil
	c.mu.Unlock()
	if s != nil {
		c.p.discard(s) // mid-transaction: the server rolls it back
	}
}

// startup answers the client's startup as a server that trusts it.
func (c *client) startup() bool {
	for {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			return false
		}
		switch msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			if _, err := c.conn.Write([]byte("N")); err != nil {
				return false
			}
			continue
		case *pgproto3.StartupMessage:
		default: // a cancel request: not supported
			return false
		}
		break
	}
	c.p.mu.Lock()
	params := c.p.params
	c.p.mu.Unlock()
	c.be.Send(&pgproto3.AuthenticationOk{})
	for k, v := range params {
		c.be.Send(&pgproto3.ParameterStatus{Name: k, Value: v})
	}
	c.be.Send(&pgproto3.BackendKeyData{ProcessID: 1, SecretKey: []byte{0, 0, 0, 1}})
	c.be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	return c.be.Flush() == nil
}

// pump forwards what the lent server connection sends to the client, and
// takes the connection back when the client's transaction has ended: at a
// ReadyForQuery that is idle (not in a transaction) with nothing else
// pending.
func (c *client) pump(s *server) {
	for {
		msg, err := s.fe.Receive()
		c.mu.Lock()
		if err != nil || c.done || c.cur != s {
			c.mu.Unlock()
			if err != nil {
				c.p.discard(s)
				c.conn.Close()
			}
			return
		}
		release := false
		if rfq, ok := msg.(*pgproto3.ReadyForQuery); ok {
			c.pending--
			if rfq.TxStatus == 'I' && c.pending <= 0 {
				c.pending = 0
				// Before the client hears it, so that its next message
				// borrows a server connection anew.
				c.cur = nil
				release = true
			}
		}
		c.be.Send(msg)
		err = c.be.Flush()
		c.mu.Unlock()
		if release {
			c.p.release(s)
			return
		}
		if err != nil {
			c.conn.Close()
			return
		}
	}
}
