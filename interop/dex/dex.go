// Package dex runs Dex (github.com/dexidp/dex), a real OpenID provider, in-process on loopback:
// in-memory storage, static confidential clients, the client_credentials grant, discovery and
// JWKS. Tests and the demo get RS256 tokens from it over HTTP, exactly as a service would.
package dex

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/dexidp/dex/server"
	"github.com/dexidp/dex/server/signer"
	"github.com/dexidp/dex/storage"
	"github.com/dexidp/dex/storage/memory"
)

// Client is a static confidential client allowed the client_credentials grant.
type Client struct {
	ID, Secret string
	Name       string   // the `name`/`preferred_username` claims with scope "profile"
	Groups     []string // the `groups` claim with scope "groups" (Dex's ClientCredentialsClaims)
}

// Options configure a Dex instance.
type Options struct {
	// Addr is the loopback address to listen on; default "127.0.0.1:0" (a free port).
	Addr string
	// Path is the issuer's path, e.g. "/dex"; default "/dex". The issuer is http://ADDR+Path.
	Path string
	// Clients are the static confidential clients.
	Clients []Client
	// TokenTTL is how long issued tokens are valid; default 1h.
	TokenTTL time.Duration
	// Logger receives Dex's logs; default discards them.
	Logger *slog.Logger
}

// Server is a running Dex.
type Server struct {
	Issuer string // http://127.0.0.1:PORT/dex
	store  storage.Storage
	ttl    time.Duration
	http   *http.Server
	cancel context.CancelFunc
	done   chan struct{}
	client *http.Client
}

// Start runs Dex until ctx ends or Close is called. It returns once the first signing key exists.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Path == "" {
		opts.Path = "/dex"
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = time.Hour
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("dex: listen: %w", err)
	}
	issuer := "http://" + ln.Addr().String() + opts.Path

	clients := make([]storage.Client, 0, len(opts.Clients))
	for _, c := range opts.Clients {
		sc := storage.Client{ID: c.ID, Secret: c.Secret, Name: c.Name}
		if len(c.Groups) > 0 {
			sc.ClientCredentialsClaims = &storage.ClientCredentialsClaims{Groups: c.Groups}
		}
		clients = append(clients, sc)
	}
	store := storage.WithStaticClients(memory.New(logger), clients)
	// Dex refuses to start without a connector; client_credentials never uses it.
	if err := store.CreateConnector(ctx, storage.Connector{ID: "mock", Type: "mockCallback", Name: "Mock"}); err != nil {
		ln.Close()
		return nil, fmt.Errorf("dex: connector: %w", err)
	}
	// The local signer is Dex's default: RS256 keys in storage, rotated every period (a long
	// one here: tests rotate explicitly with Rotate).
	local := signer.LocalConfig{KeysRotationPeriod: "24h", Algorithm: jose.RS256}
	sig, err := local.Open(ctx, store, opts.TokenTTL, time.Now, logger)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("dex: signer: %w", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	srv, err := server.NewServer(sctx, server.Config{
		Issuer:            issuer,
		Storage:           store,
		AllowedGrantTypes: []string{"client_credentials"},
		IDTokensValidFor:  opts.TokenTTL,
		Logger:            logger,
		Signer:            sig,
	})
	if err != nil {
		cancel()
		ln.Close()
		return nil, fmt.Errorf("dex: %w", err)
	}
	s := &Server{
		Issuer: issuer,
		store:  store,
		ttl:    opts.TokenTTL,
		http:   &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second},
		cancel: cancel,
		done:   make(chan struct{}),
		client: &http.Client{Timeout: 10 * time.Second},
	}
	go func() {
		defer close(s.done)
		_ = s.http.Serve(ln)
	}()
	go func() {
		<-sctx.Done()
		_ = s.http.Close()
	}()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error {
	s.cancel()
	<-s.done
	return nil
}

// HostPort is the server's address, "127.0.0.1:PORT".
func (s *Server) HostPort() string {
	u, _ := url.Parse(s.Issuer)
	return u.Host
}

// BaseURL is the scheme and address without the issuer path, "http://127.0.0.1:PORT": what an
// Envoy cluster for Dex points at.
func (s *Server) BaseURL() string { return "http://" + s.HostPort() }

// KeysURL is Dex's JWKS endpoint (the discovery document's jwks_uri).
func (s *Server) KeysURL() string { return s.Issuer + "/keys" }

// TokenError is a refused token request: Dex's OAuth 2.0 error reply (RFC 6749 section 5.2).
type TokenError struct {
	Status      int
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("dex: token request refused: %d %s: %s", e.Status, e.Code, e.Description)
}

// Token performs the client_credentials grant over HTTP (client_secret_basic) and returns the
// access token, a JWT signed by Dex's current key.
func (s *Server) Token(clientID, secret string, scopes ...string) (string, error) {
	return Token(s.client, s.Issuer, clientID, secret, scopes...)
}

// Token performs the client_credentials grant against issuer's token endpoint.
func Token(hc *http.Client, issuer, clientID, secret string, scopes ...string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	req, err := http.NewRequest(http.MethodPost, issuer+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("dex: token request: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("dex: token response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		te := &TokenError{Status: resp.StatusCode}
		_ = json.Unmarshal(body, te)
		return "", te
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return "", fmt.Errorf("dex: token response without access_token: %.200s", body)
	}
	return tr.AccessToken, nil
}

// SigningKeyID is the kid of the key Dex signs new tokens with.
func (s *Server) SigningKeyID(ctx context.Context) (string, error) {
	keys, err := s.store.GetKeys(ctx)
	if err != nil {
		return "", err
	}
	if keys.SigningKeyPub == nil {
		return "", errors.New("dex: no signing key yet")
	}
	return keys.SigningKeyPub.KeyID, nil
}

// Rotate forces a signing key rotation now, the way Dex's own rotator does it (signer/rotation.go):
// a new RS256 key signs from now on, the old public key stays in the JWKS as a verification key
// until the tokens it signed have expired. Dex rotates on its own only when the configured period
// has passed (checked every 30 s), too slow for a test. It returns the new kid.
func (s *Server) Rotate(ctx context.Context) (string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	kid := hex.EncodeToString(b)
	priv := &jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: string(jose.RS256), Use: "sig"}
	pub := &jose.JSONWebKey{Key: key.Public(), KeyID: kid, Algorithm: string(jose.RS256), Use: "sig"}
	now := time.Now()
	err = s.store.UpdateKeys(ctx, func(keys storage.Keys) (storage.Keys, error) {
		kept := keys.VerificationKeys[:0]
		for _, vk := range keys.VerificationKeys {
			if now.Before(vk.Expiry) {
				kept = append(kept, vk)
			}
		}
		if keys.SigningKeyPub != nil {
			kept = append(kept, storage.VerificationKey{PublicKey: keys.SigningKeyPub, Expiry: now.Add(s.ttl)})
		}
		keys.VerificationKeys = kept
		keys.SigningKey, keys.SigningKeyPub = priv, pub
		keys.NextRotation = now.Add(24 * time.Hour)
		return keys, nil
	})
	if err != nil {
		return "", fmt.Errorf("dex: rotate: %w", err)
	}
	return kid, nil
}

// DropVerificationKeys removes every key but the current signing key from the JWKS, as happens
// when old keys expire: tokens signed by them become unverifiable.
func (s *Server) DropVerificationKeys(ctx context.Context) error {
	return s.store.UpdateKeys(ctx, func(keys storage.Keys) (storage.Keys, error) {
		keys.VerificationKeys = nil
		return keys, nil
	})
}
