// GraphiQL of the gateway (development): local assets only, a "Sign in" panel, the example operations as tabs.
// The session cookie the sign-in sets (HttpOnly, SameSite=Strict) rides along with every query of the IDE.
(function () {
  'use strict';
  const h = React.createElement;
  const { useEffect, useState } = React;
  const ENDPOINT = '/graphql';

  async function call(query, variables) {
    const response = await fetch(ENDPOINT, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables: variables || {} }),
    });
    return response.json();
  }

  const SIGN_IN = `mutation IdeSignIn($username: String!, $password: String!) {
    signIn(username: $username, password: $password) {
      __typename ... on TwoFactorRequired { challengeToken } ... on Problem { message }
    } }`;
  const SECOND_FACTOR = `mutation IdeSecondFactor($token: String!, $code: String!) {
    completeTwoFactor(challengeToken: $token, code: $code) { __typename ... on Problem { message } } }`;
  const WHO = '{ viewer { account { username } session { expiresAt } } }';
  const SIGN_OUT = 'mutation IdeSignOut { signOut { __typename } }';

  function field(label, id, value, onChange, type) {
    return [
      h('label', { htmlFor: id, key: id + '-label' }, label),
      h('input', {
        id, key: id, type: type || 'text', value, autoComplete: 'off',
        onChange: (event) => onChange(event.target.value),
      }),
    ];
  }

  function SignInPanel({ demo }) {
    const [username, setUsername] = useState(demo.username);
    const [password, setPassword] = useState(demo.password);
    const [code, setCode] = useState('');
    const [challenge, setChallenge] = useState(null);
    const [viewer, setViewer] = useState(null);
    const [message, setMessage] = useState('');

    async function refresh() {
      const reply = await call(WHO);
      setViewer(reply.data && reply.data.viewer ? reply.data.viewer : null);
    }
    useEffect(() => { refresh(); }, []);

    async function signIn(event) {
      event.preventDefault();
      setMessage('');
      const reply = challenge
        ? await call(SECOND_FACTOR, { token: challenge, code })
        : await call(SIGN_IN, { username, password });
      const result = reply.data && (reply.data.signIn || reply.data.completeTwoFactor);
      if (!result) {
        setMessage((reply.errors && reply.errors[0].message) || 'Sign-in failed.');
      } else if (result.__typename === 'SignedIn') {
        setChallenge(null);
        setCode('');
        await refresh();
      } else if (result.__typename === 'TwoFactorRequired') {
        setChallenge(result.challengeToken);
      } else {
        setMessage(result.message || result.__typename);
      }
    }

    async function signOut() {
      await call(SIGN_OUT);
      setViewer(null);
    }

    if (viewer) {
      return h('div', { className: 'portal-signin' },
        h('h2', null, 'Signed in'),
        h('p', { className: 'portal-status', role: 'status' },
          'Signed in as ', h('strong', null, viewer.account.username),
          '. The session cookie goes with every query; it ends after 15 idle minutes (now ',
          viewer.session.expiresAt, ').'),
        h('button', { type: 'button', onClick: signOut }, 'Sign out'));
    }
    return h('form', { className: 'portal-signin', onSubmit: signIn },
      h('h2', null, 'Sign in'),
      h('p', null, 'A demo user of fixtures/accounts.py; every one has the password below.'),
      challenge
        ? field('Two-step verification code', 'portal-code', code, setCode)
        : [...field('Username', 'portal-username', username, setUsername),
           ...field('Password', 'portal-password', password, setPassword, 'password')],
      h('button', { type: 'submit' }, challenge ? 'Verify' : 'Sign in'),
      message ? h('p', { className: 'portal-error', role: 'alert' }, message) : null,
      h('p', null, 'Demo users: ', demo.accounts.map((a) => a.username).join(', ')));
  }

  async function start() {
    const setup = await (await fetch('/devtools/setup.json', { credentials: 'same-origin' })).json();
    const signInPlugin = {
      title: 'Sign in',
      icon: () => h('svg', { viewBox: '0 0 24 24', width: 20, height: 20, 'aria-hidden': true },
        h('circle', { cx: 12, cy: 8, r: 4, fill: 'none', stroke: 'currentColor', strokeWidth: 1.5 }),
        h('path', { d: 'M4 21c0-4 3.6-7 8-7s8 3 8 7', fill: 'none', stroke: 'currentColor', strokeWidth: 1.5 })),
      content: () => h(SignInPanel, { demo: setup.demo }),
    };
    const explorer = GraphiQLPluginExplorer.explorerPlugin();
    const fetcher = GraphiQL.createFetcher({ url: ENDPOINT });
    const root = ReactDOM.createRoot(document.getElementById('graphiql'));
    root.render(h(GraphiQL, {
      fetcher,
      plugins: [signInPlugin, explorer],
      visiblePlugin: signInPlugin,
      defaultTabs: setup.tabs,
      // GraphiQL opens the first tab with these (its own tab state would start them empty).
      variables: setup.tabs[0].variables,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    }));
  }

  start();
})();
