/** /console: the support, approval and finance console (Lit). */
import './app.js';
