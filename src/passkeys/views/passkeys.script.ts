/**
 * /assets/passkeys.js: the pages' WebAuthn glue over @simplewebauthn/browser. It shows the
 * passkey controls (hidden for browsers without JavaScript), asks our JSON endpoints for
 * options, runs the ceremony and posts the answer with the page's CSRF token.
 */
export const PASSKEYS_SCRIPT = `'use strict';
(function () {
  var lib = window.SimpleWebAuthnBrowser;

  function showError(message) {
    var box = document.querySelector('[data-passkey-error]');
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) throw new Error(json.message || 'The request failed.');
        return json;
      });
    });
  }

  function explain(error) {
    if (error && error.name === 'NotAllowedError') return 'The passkey prompt was closed or timed out.';
    if (error && /not accepted/.test(error.message)) return 'The passkey was not accepted.';
    if (error && /start again/.test(error.message)) return 'That took too long. Please try again.';
    if (error && /sign in again/.test(error.message)) return 'Sign in again to change your passkeys.';
    return (error && error.message) || 'Something went wrong with the passkey.';
  }

  function ready() {
    var supported = lib && lib.browserSupportsWebAuthn();
    document.querySelectorAll('[data-passkey-needs-js]').forEach(function (note) {
      if (supported) note.hidden = true;
      else note.textContent = 'This browser cannot use passkeys.';
    });
    if (!supported) return;

    var signIn = document.querySelector('[data-passkey-sign-in]');
    if (signIn) {
      signIn.hidden = false;
      signIn.addEventListener('click', function () {
        var csrf = signIn.getAttribute('data-csrf');
        signIn.disabled = true;
        post('/login/passkey/options', { csrf_token: csrf })
          .then(function (options) { return lib.startAuthentication({ optionsJSON: options }); })
          .then(function (response) {
            return post('/login/passkey', {
              csrf_token: csrf,
              interaction: signIn.getAttribute('data-interaction') || undefined,
              response: response,
            });
          })
          .then(function (done) { window.location.assign(done.redirect); })
          .catch(function (error) { signIn.disabled = false; showError(explain(error)); });
      });
    }

    var second = document.querySelector('[data-passkey-second-factor]');
    if (second) {
      second.hidden = false;
      second.addEventListener('click', function () {
        var csrf = second.getAttribute('data-csrf');
        var form = document.querySelector('form[action="/login/second-factor"]');
        var field = function (name) {
          var input = form && form.querySelector('input[name="' + name + '"]');
          return input ? input.value : undefined;
        };
        var context = { csrf_token: csrf, interaction: field('interaction'), then: field('then') };
        second.disabled = true;
        post('/login/second-factor/passkey/options', context)
          .then(function (options) { return lib.startAuthentication({ optionsJSON: options }); })
          .then(function (response) {
            return post('/login/second-factor/passkey', Object.assign({ response: response }, context));
          })
          .then(function (done) { window.location.assign(done.redirect); })
          .catch(function (error) { second.disabled = false; showError(explain(error)); });
      });
    }

    var register = document.querySelector('[data-passkey-register]');
    if (register) {
      register.hidden = false;
      register.addEventListener('submit', function (event) {
        event.preventDefault();
        var csrf = register.getAttribute('data-csrf');
        var name = register.querySelector('input[name="name"]').value;
        var button = register.querySelector('button');
        button.disabled = true;
        post('/account/passkeys/options', { csrf_token: csrf })
          .then(function (options) { return lib.startRegistration({ optionsJSON: options }); })
          .then(function (response) {
            return post('/account/passkeys', { csrf_token: csrf, name: name, response: response });
          })
          .then(function (done) { window.location.assign(done.redirect); })
          .catch(function (error) { button.disabled = false; showError(explain(error)); });
      });
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
})();
`;
